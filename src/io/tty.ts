/**
 * Is stdin a terminal that this process may not read? A job started in the background of an
 * interactive shell (`bondcat -l -p 9000 > file &`) is stopped by SIGTTIN the moment it reads its
 * terminal — and a stopped listener leaves its client waiting forever. Such a process treats stdin as
 * having nothing to send (as --recv-only does) and finishes when the peer does.
 *
 * "May not read" = stdin is a terminal whose foreground process group is not ours (tcgetpgrp(0) ≠
 * getpgrp()). Best effort: false where it cannot be told (off Linux, no bun:ffi).
 */
import { isatty } from "node:tty";
import { libc } from "./libc.ts";

/** True when `fd` is a terminal and our process group is not its foreground group. */
export function isBackgroundTerminal(fd = 0): boolean {
  if (!isatty(fd)) return false;
  const f = libc();
  if (f === null) return false;
  const fg = f.tcgetpgrp(fd);
  return fg > 0 && fg !== f.getpgrp();
}

if (import.meta.main) {
  // `bun src/io/tty.ts` / `bun src/io/tty.ts &` in a shell: prints what the check says.
  process.stderr.write(`stdin is ${isBackgroundTerminal(0) ? "a background" : "not a background"} terminal\n`);
}
