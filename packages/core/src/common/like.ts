// Search boxes: what the user typed is matched literally (issue 15: `users.list` took `%`/`_` as
// wildcards).

/** A LIKE pattern matching `text` literally anywhere (`%`, `_` and `\` escaped). */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;
