export interface Moved {
  key: string;
  title: string;
  assignee: string | null;
  state: string;
}

/** Groups the issues that moved yesterday by assignee, for the morning email. */
export function group(moved: Moved[]): Map<string, Moved[]> {
  const out = new Map<string, Moved[]>();
  for (const issue of moved) {
    const who = issue.assignee ?? "Unassigned";
    out.set(who, [...(out.get(who) ?? []), issue]);
  }
  return out;
}
