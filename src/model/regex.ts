import { RE2JS } from 're2js';

/** A regular expression that matches in time linear in the text (RE2's automata, no backtracking). */
export interface LinearRegex {
  test(text: string): boolean;
}

/**
 * Compiles `pattern` with re2js, a pure-JavaScript port of RE2: matching takes time linear
 * in the text whatever the pattern, so `^(a+)+$` cannot hang on a long value. RE2 syntax is
 * JavaScript's without backreferences and lookaround. Throws on a pattern it rejects.
 */
export function linearRegex(pattern: string, flags: { dotAll?: boolean } = {}): LinearRegex {
  const re = RE2JS.compile(pattern, flags.dotAll ? RE2JS.DOTALL : 0);
  return { test: (text) => re.matcher(text).find() };
}

/** A glob (`*` any run of characters, `?` one character) matching the whole text, in linear time. */
export function linearGlob(glob: string): LinearRegex {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return linearRegex(`^${body}$`, { dotAll: true });
}
