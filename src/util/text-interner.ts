/**
 * One copy of each text repeated across the findings or suggestions of an
 * audit. Texts kept as long as the report (finding titles, a suggestion's
 * risk and quoted evidence) are built per identity from the same parts, so
 * most repeat another identity's: root-level-scope has ~800 distinct titles
 * for 120,000 findings at 10,000 principals, and suggestions quote ~15,000
 * distinct evidence lines 91,000 times. Each copy is a string of its own
 * (often a rope of several parts), 100-400 B.
 */
export class TextInterner {
  private readonly seen = new Map<string, string>();

  intern(text: string): string {
    const found = this.seen.get(text);
    if (found !== undefined) return found;
    this.seen.set(text, text);
    return text;
  }
}
