"""Balancing rater workloads exactly with a max-flow (used when the greedy pass is not optimal).

The network: source → patient (exactly the slots the patient still needs) →
(patient, rater) capacity 1, because a rater rates at most one session per
patient → rater (between ``lo - existing`` and ``hi - existing`` new sessions)
→ sink. A circulation with lower bounds tells whether loads within
``[lo, hi]`` are possible; searching ``hi`` down and then ``lo`` up gives the
smallest achievable maximum load and, for it, the largest achievable minimum.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Mapping, Sequence

log = logging.getLogger(__name__)


class _MaxFlow:
    """Dinic's algorithm on an adjacency list; edges are ``[to, capacity, index of reverse edge]``."""

    def __init__(self, nodes: int):
        self.graph: list[list[list[int]]] = [[] for _ in range(nodes)]

    def add(self, u: int, v: int, cap: int) -> tuple[int, int]:
        self.graph[u].append([v, cap, len(self.graph[v])])
        self.graph[v].append([u, 0, len(self.graph[u]) - 1])
        return u, len(self.graph[u]) - 1

    def residual(self, edge: tuple[int, int]) -> int:
        return self.graph[edge[0]][edge[1]][1]

    def run(self, source: int, sink: int) -> int:
        total = 0
        while True:
            level = self._levels(source)
            if level[sink] < 0:
                return total
            cursor = [0] * len(self.graph)
            while pushed := self._push(source, sink, 1 << 60, level, cursor):
                total += pushed

    def _levels(self, source: int) -> list[int]:
        level = [-1] * len(self.graph)
        level[source] = 0
        queue = deque([source])
        while queue:
            u = queue.popleft()
            for v, cap, _rev in self.graph[u]:
                if cap > 0 and level[v] < 0:
                    level[v] = level[u] + 1
                    queue.append(v)
        return level

    def _push(self, u: int, sink: int, limit: int, level: list[int], cursor: list[int]) -> int:
        # Recursion depth is bounded by the path length (at most 6 nodes here).
        if u == sink:
            return limit
        edges = self.graph[u]
        while cursor[u] < len(edges):
            edge = edges[cursor[u]]
            v, cap, rev = edge
            if cap > 0 and level[v] == level[u] + 1:
                pushed = self._push(v, sink, min(limit, cap), level, cursor)
                if pushed:
                    edge[1] -= pushed
                    self.graph[v][rev][1] += pushed
                    return pushed
            cursor[u] += 1
        return 0


def _solve(
    needs: Sequence[tuple[str, int]],
    allowed: Mapping[str, Sequence[str]],
    existing: Mapping[str, int],
    raters: Sequence[str],
    lo: int,
    hi: int,
) -> dict[str, list[str]] | None:
    """Raters per patient with every rater's final load in [lo, hi], or None when impossible."""
    index = {r: i for i, r in enumerate(raters)}
    n_pat = len(needs)
    source, sink = 0, 1
    first_patient, first_rater = 2, 2 + n_pat
    super_source, super_sink = first_rater + len(raters), first_rater + len(raters) + 1
    flow = _MaxFlow(super_sink + 1)
    excess = [0] * (super_sink + 1)
    pair_edges: list[tuple[str, str, tuple[int, int]]] = []
    for p_i, (patient, need) in enumerate(needs):
        # source → patient carries exactly ``need``: lower bound = upper bound.
        excess[first_patient + p_i] += need
        excess[source] -= need
        for rater in allowed[patient]:
            edge = flow.add(first_patient + p_i, first_rater + index[rater], 1)
            pair_edges.append((patient, rater, edge))
    for rater, r_i in index.items():
        low = max(0, lo - existing.get(rater, 0))
        high = hi - existing.get(rater, 0)
        if high < low:
            return None
        flow.add(first_rater + r_i, sink, high - low)
        excess[sink] += low
        excess[first_rater + r_i] -= low
    flow.add(sink, source, 1 << 40)
    required = 0
    for node, amount in enumerate(excess):
        if amount > 0:
            flow.add(super_source, node, amount)
            required += amount
        elif amount < 0:
            flow.add(node, super_sink, -amount)
    if flow.run(super_source, super_sink) < required:
        return None
    chosen: dict[str, list[str]] = {patient: [] for patient, _ in needs}
    for patient, rater, edge in pair_edges:
        if flow.residual(edge) == 0:
            chosen[patient].append(rater)
    return chosen


def balance_by_flow(
    needs: Mapping[str, int],
    allowed: Mapping[str, Sequence[str]],
    existing: Mapping[str, int],
    raters: Sequence[str],
    rng: random.Random,
) -> tuple[dict[str, list[str]], int, int]:
    """Choose raters for each patient so that loads are as even as the constraints allow.

    ``needs``: patient → raters still to choose; ``allowed``: patient → raters
    who may still rate one of its sessions; ``existing``: rater → sessions
    already assigned. Returns (patient → chosen raters, min load, max load).
    The caller has checked that every patient's need fits its allowed raters,
    so a solution always exists.
    """
    # Shuffled edge order makes the (otherwise deterministic) flow pick varied rater groups.
    patients = list(needs)
    rng.shuffle(patients)
    order = [(p, needs[p]) for p in patients if needs[p] > 0]
    shuffled = {p: rng.sample(list(allowed[p]), len(allowed[p])) for p, _ in order}
    loads = [existing.get(r, 0) for r in raters]
    total = sum(loads) + sum(n for _, n in order)
    floor_hi = max(max(loads), -(-total // len(raters)))
    lo_bound = min(loads)

    def feasible(lo: int, hi: int) -> dict[str, list[str]] | None:
        return _solve(order, shuffled, existing, raters, lo, hi)

    low, high = floor_hi, max(loads) + sum(n for _, n in order)
    while low < high:  # smallest feasible maximum load
        mid = (low + high) // 2
        if feasible(lo_bound, mid) is None:
            low = mid + 1
        else:
            high = mid
    hi = low
    low, high = lo_bound, min(hi, total // len(raters))
    while low < high:  # largest feasible minimum load for that maximum
        mid = (low + high + 1) // 2
        if feasible(mid, hi) is None:
            high = mid - 1
        else:
            low = mid
    solution = feasible(low, hi)
    if solution is None:  # pragma: no cover - the search only ends on feasible bounds
        raise RuntimeError("balancing flow found no solution although one exists")
    log.debug("flow balance: loads %d–%d", low, hi)
    return solution, low, hi
