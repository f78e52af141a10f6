/** Levenshtein distance, small inputs only (names, keys). */
export function editDistance(a: string, b: string): number {
  const previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = previous[0]!;
    previous[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = previous[j]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      previous[j] = Math.min(above + 1, previous[j - 1]! + 1, diagonal + cost);
      diagonal = above;
    }
  }
  return previous[b.length]!;
}

/** The candidate closest to `input`, if it is close enough to be a plausible typo. */
export function suggestName(input: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const candidate of list) {
    const distance = editDistance(input.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  const tolerance = Math.max(2, Math.floor(input.length / 3));
  if (bestDistance <= tolerance) return best;
  // A name with a word added or left out (`createDatabases` for `databases`, `port` for `healthPort`).
  const lower = input.toLowerCase();
  let contained: string | undefined;
  for (const candidate of list) {
    const other = candidate.toLowerCase();
    if (other.length < 4 || lower.length < 4) continue;
    if ((lower.includes(other) || other.includes(lower)) && (contained === undefined || candidate.length > contained.length))
      contained = candidate;
  }
  return contained;
}

/** ` — did you mean "x"?` or the empty string. */
export function didYouMean(input: string, candidates: Iterable<string>): string {
  const suggestion = suggestName(input, candidates);
  return suggestion === undefined ? '' : ` — did you mean "${suggestion}"?`;
}
