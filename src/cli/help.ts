/**
 * `bondcat --help` and `--version` text.
 *
 * citty renders the usage line and the options table from the flag table (flags.ts), so the help can
 * never list a flag the parser does not know. citty's renderUsage is async, so the text is rendered
 * once at import (top-level await) and parseArgs can stay synchronous. ANSI colours are stripped:
 * the help is plain text wherever it goes.
 */
import { type ArgsDef, defineCommand, renderUsage } from "citty";
import pkg from "../../package.json" with { type: "json" };
import { ENV_SECRET } from "./config.ts";
import { EXIT_CODE_TABLE } from "./exit-codes.ts";
import { FLAGS } from "./flags.ts";

export const VERSION: string = pkg.version;
/** `--version` (and the first `-v` log line): what a bug report needs. */
export const VERSION_TEXT = `bondcat ${VERSION} (bun ${typeof Bun === "undefined" ? "none" : Bun.version}, ${process.platform} ${process.arch})`;

export const DESCRIPTION = "bond several connections into one reliable, ordered byte stream (netcat with multipath)";

function argsDef(): ArgsDef {
  const def: ArgsDef = {
    endpoints: { type: "positional", required: false,
      description: "HOST:PORT, [IPv6]:PORT, tcp://H:P, tls://H:P, ws://H:P/PATH, wss://H:P/PATH" },
  };
  for (const f of FLAGS) {
    const alias = f.short === undefined ? [] : [f.short];
    if (f.kind === "bool" || f.kind === "count") {
      def[f.name] = { type: "boolean", alias, description: f.description };
    } else {
      def[f.name] = {
        type: "string", alias, description: f.description, valueHint: f.valueHint,
        ...(f.defaultText === undefined ? {} : { default: f.defaultText }),
      };
    }
  }
  return def;
}

export const EXAMPLES = `EXAMPLES

  Stripe a backup over two links of the same host (receiver first):
    nas$     bondcat -l -p 9000 > backup.tar
    laptop$  bondcat 192.168.1.20:9000 10.0.0.20:9000 < backup.tar

  Four subflows to one host, e.g. over an aggregated WAN link:
    bondcat -x 4 [2001:db8::20]:9000 < big.iso

  Relay server in front of sshd, and ssh through it:
    both$    bondcat --gen-secret > ~/.bondcat-secret     (copy the file to the other side)
    server$  bondcat -l -k -p 9000 --secret-file ~/.bondcat-secret --relay 127.0.0.1:22
    client$  ssh -o ProxyCommand='bondcat --secret-file ~/.bondcat-secret -x 2 server.example:9000' user@server

  Fixed-line first, LTE only while it is down:
    bondcat fiber.example:9000 --backup lte.example:9000

  WebSocket over TLS through an HTTP proxy, behind a reverse proxy on 443:
    bondcat --proxy http://proxy.corp:3128 -H 'Authorization: Bearer TOKEN' wss://relay.example/bond
    relay$   bondcat -l --listen ws://127.0.0.1:8080/bond --listen tcp://0.0.0.0:9000

  Throughput test (the connecting side leads; Ctrl-C or --duration ends it):
    server$  bondcat -l -b
    client$  bondcat -b --duration 10s -x 4 server.example:PORT`;

export const NOTES = `NOTES

  Every long flag also works with one dash (-listen, -multiplier=4, -no-auto-detect: the spellings of
  the original Go bondcat); -flag=value and --flag=value both work; -l=true style booleans too.
  A repeated single-value flag: the last one wins. -v, --listen, --backup, --pin, -H accumulate.
  -l alone listens on tcp://[::]:0 (dual-stack; with -4: 0.0.0.0) and prints the port it got.
  -a / --no-auto-detect: use only the addresses given instead of every local address.
  Durations: 500ms, 10s, 2m, 1h, 1m30s or plain seconds. Sizes: bytes, or k/M/G (binary, 4M = 4MiB).`;

export function environment(): string {
  return `ENVIRONMENT

  ${ENV_SECRET.padEnd(28)}pre-shared secret, when --secret/--secret-file is not given (removed from the
  ${"".padEnd(28)}environment of -e programs)
  ${"HTTPS_PROXY".padEnd(28)}CONNECT proxy for wss:// and tls:// when --proxy is not given
  ${"HTTP_PROXY".padEnd(28)}proxy for ws://
  ${"TCP_PROXY".padEnd(28)}CONNECT proxy for tcp:// (off unless set: most proxies refuse other ports)
  ${"ALL_PROXY".padEnd(28)}fallback for all of the above
  ${"NO_PROXY".padEnd(28)}hosts reached without the proxy
  ${"NO_COLOR".padEnd(28)}no colours in log output`;
}

function exitCodes(): string {
  const rows = EXIT_CODE_TABLE.map(([code, text]) => `  ${String(code).padStart(3)}  ${text}`);
  return `EXIT CODES\n\n${rows.join("\n")}`;
}

const ANSI_RE = /\u001B\[[0-9;]*m/g;

async function render(): Promise<string> {
  const cmd = defineCommand({
    meta: { name: "bondcat", version: VERSION, description: DESCRIPTION },
    args: argsDef(),
  });
  const usage = (await renderUsage(cmd)).replace(ANSI_RE, "").replace(/[ \t]+$/gm, "");
  const listenUsage = "      bondcat -l [-p PORT] [OPTIONS]          (listen mode)";
  const withListen = usage.replace(/^(USAGE .*)$/m, `$1\n${listenUsage}`);
  return [withListen.trimEnd(), EXAMPLES, NOTES, environment(), exitCodes()].join("\n\n") + "\n";
}

/** The full help text (rendered once, at import). */
export const HELP_TEXT: string = await render();
