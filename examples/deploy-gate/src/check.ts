/** The gate's answer for one release. */
export function check(states: string[], blocking: Set<string>): { ok: boolean; blocking: number } {
  const n = states.filter((s) => blocking.has(s)).length;
  return { ok: n === 0, blocking: n };
}
