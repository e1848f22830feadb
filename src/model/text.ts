/** `1 span`, `3 spans`: every message and renderer counts things this way. */
export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
