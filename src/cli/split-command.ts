/**
 * Split an `--exec 'cmd args'` string into argv the way a POSIX shell splits words — quotes and
 * backslashes only: no variables, globs, pipes or redirections (the program runs without a shell;
 * write `-e "sh -c '…'"` when you want one).
 *   'a b'  literal      "a \"b\""  backslash escapes " \ $ ` inside double quotes      a\ b  one word
 * Returns undefined for an unterminated quote or a trailing backslash.
 */
export function splitCommand(text: string): string[] | undefined {
  const words: string[] = [];
  let word = "";
  let inWord = false;
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (c === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) return undefined;
      word += text.slice(i + 1, end);
      inWord = true;
      i = end + 1;
    } else if (c === '"') {
      i++;
      for (;;) {
        if (i >= text.length) return undefined;
        const d = text[i] as string;
        if (d === '"') break;
        if (d === "\\" && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          word += text[i + 1];
          i += 2;
        } else {
          word += d;
          i++;
        }
      }
      inWord = true;
      i++;
    } else if (c === "\\") {
      if (i + 1 >= text.length) return undefined;
      word += text[i + 1];
      inWord = true;
      i += 2;
    } else if (c === " " || c === "\t" || c === "\n") {
      if (inWord) words.push(word);
      word = "";
      inWord = false;
      i++;
    } else {
      word += c;
      inWord = true;
      i++;
    }
  }
  if (inWord) words.push(word);
  return words;
}
