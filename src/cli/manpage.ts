/**
 * bondcat(1), rendered from the same sources as `--help`: the flag table (flags.ts), the examples,
 * notes and environment of help.ts, and the exit-code table (exit-codes.ts). Nothing is written by
 * hand twice, so the man page cannot drift from the help. `npm run man` (run by `prepack`) writes it
 * to docs/bondcat.1, which package.json's "man" field installs.
 *
 *   bun src/cli/manpage.ts [OUTFILE]    (no OUTFILE: stdout)
 */
import { writeFileSync } from "node:fs";
import { EXIT_CODE_TABLE } from "./exit-codes.ts";
import { type FlagGroup, type FlagSpec, FLAGS, isFileFlag } from "./flags.ts";
import { DESCRIPTION, EXAMPLES, NOTES, VERSION, environment } from "./help.ts";

const GROUP_TITLES: Record<FlagGroup, string> = {
  mode: "Modes",
  session: "Session",
  tls: "TLS",
  dial: "Dialing",
  misc: "Output and information",
};

/** Escape text for roff: backslashes, leading dots/apostrophes, and hyphens that are real minus signs. */
export function roff(text: string): string {
  return text
    .replace(/\\/g, "\\e")
    .replace(/-/g, "\\-")
    .replace(/^([.'])/gm, "\\&$1");
}

/** The spellings of a flag as the man page shows them: `\-x, \-\-multiplier N`. */
function synopsisOf(f: FlagSpec): string {
  const value = f.kind === "bool" || f.kind === "count" ? "" : ` \\fI${roff(f.valueHint ?? "VALUE")}\\fR`;
  const optional = f.kind === "optional" ? `[=\\fI${roff(f.valueHint ?? "VALUE")}\\fR]` : value;
  const names = [
    ...(f.short === undefined ? [] : [`\\fB\\-${roff(f.short)}\\fR`]),
    `\\fB\\-\\-${roff(f.name)}\\fR${optional}`,
    ...(f.aliases ?? []).map((a) => `\\fB\\-${roff(a)}\\fR`),
  ];
  return names.join(", ");
}

function describe(f: FlagSpec): string {
  const extra: string[] = [];
  if (f.defaultText !== undefined) extra.push(`Default: ${f.defaultText}.`);
  if (f.choices !== undefined) extra.push(`One of: ${f.choices.join(", ")}.`);
  if ((f.kind === "list" || f.kind === "optional") && !/repeatable/i.test(f.description)) extra.push("Repeatable.");
  return roff([f.description.replace(/^./, (c) => c.toUpperCase()) + ".", ...extra].join(" "));
}

/** A help section ("TITLE\n\n  body…") as a preformatted man section body. */
function preformatted(section: string): string {
  const body = section.split("\n").slice(1).join("\n").replace(/^\n+/, "");
  const lines = body.split("\n").map((l) => roff(l.replace(/^ {2}/, "")));
  return [".nf", ...lines, ".fi"].join("\n");
}

export function renderManPage(date = "2026-11-30"): string {
  const out: string[] = [];
  out.push(`.TH BONDCAT 1 "${date}" "bondcat ${VERSION}" "User Commands"`);
  out.push(".SH NAME", `bondcat \\- ${roff(DESCRIPTION)}`);
  out.push(".SH SYNOPSIS",
    "\\fBbondcat\\fR [\\fIOPTIONS\\fR] \\fIENDPOINT\\fR [\\fIENDPOINT\\fR ...]", ".br",
    "\\fBbondcat \\-l\\fR [\\fB\\-p\\fR \\fIPORT\\fR] [\\fIOPTIONS\\fR]");
  out.push(".SH DESCRIPTION", roff(
    "bondcat is a netcat that bonds several connections (subflows) into one reliable, ordered byte " +
    "stream: more throughput than any one link gives, and failover that loses nothing when a link " +
    "dies. Subflows may be plain TCP, TLS or WebSocket (through HTTP proxies and reverse proxies), " +
    "IPv4 and IPv6, all in one session. Data goes to standard output only; every message goes to " +
    "standard error."));
  out.push(".PP", roff(
    "An ENDPOINT is HOST:PORT, [IPv6]:PORT, tcp://HOST:PORT, tls://HOST:PORT, ws://HOST:PORT/PATH or " +
    "wss://HOST:PORT/PATH. Connecting, bondcat copies standard input into the session and the session " +
    "to standard output; end of input sends an end-of-stream mark but keeps receiving (half-close)."));
  out.push(".SH OPTIONS");
  for (const group of Object.keys(GROUP_TITLES) as FlagGroup[]) {
    const flags = FLAGS.filter((f) => f.group === group);
    if (flags.length === 0) continue;
    out.push(`.SS ${GROUP_TITLES[group]}`);
    for (const f of flags) out.push(".TP", synopsisOf(f), describe(f));
  }
  out.push(".SH EXAMPLES", preformatted(EXAMPLES));
  out.push(".SH NOTES", preformatted(NOTES));
  out.push(".SH ENVIRONMENT", preformatted(environment()));
  out.push(".SH EXIT STATUS");
  for (const [code, text] of EXIT_CODE_TABLE) out.push(".TP", `\\fB${code}\\fR`, roff(text));
  out.push(".SH FILES");
  for (const [file, text] of files()) out.push(".TP", `\\fI${roff(file)}\\fR`, roff(text));
  out.push(".SH SEE ALSO", "\\fBnc\\fR(1), \\fBncat\\fR(1), \\fBsocat\\fR(1), \\fBssh_config\\fR(5)");
  out.push(".PP", roff("Documentation: README.md and docs/ in the package (USAGE, TRANSPORTS, PROTOCOL, SECURITY)."));
  return out.join("\n") + "\n";
}

/** The files bondcat reads: every flag whose value is a file, and the ssh configuration it serves. */
function files(): (readonly [string, string])[] {
  const rows: (readonly [string, string])[] = [
    ["~/.ssh/config", "ProxyCommand bondcat -x 2 HOST:PORT ... runs ssh, scp and rsync over bonded paths."],
  ];
  for (const f of FLAGS) {
    if (isFileFlag(f)) rows.push([`--${f.name} ${f.valueHint}`, f.description]);
  }
  return rows;
}

if (import.meta.main) {
  const page = renderManPage();
  const file = process.argv[2];
  if (file === undefined) process.stdout.write(page);
  else writeFileSync(file, page);
}
