// Which fault comes next: kinds dealt round-robin from shuffled rounds, reproducible from a seed.

/** mulberry32: a small seeded generator, so that a soak's order of faults can be replayed with --seed. */
export function seededRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function shuffled(items, random) {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j], copy[i]];
  }
  return copy;
}

/**
 * Deals fault kinds in rounds, each round every kind once in a shuffled order. In the
 * first round the slow kinds come last, so that a one-minute soak covers all the quick
 * ones. `next(fits)` takes the first kind still to come in this round that fits in the
 * time left, or undefined when none does.
 */
export function faultPlan(kinds, { slowFirstRound = [], random }) {
  let queue = [
    ...shuffled(
      kinds.filter((kind) => !slowFirstRound.includes(kind)),
      random,
    ),
    ...slowFirstRound,
  ];
  return {
    next(fits) {
      if (queue.length === 0) queue = shuffled(kinds, random);
      const index = queue.findIndex(fits);
      if (index === -1) return undefined;
      return queue.splice(index, 1)[0];
    },
  };
}
