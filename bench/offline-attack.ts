/**
 * Offline dictionary attack on one captured OPEN exchange (docs/SECURITY.md), 1M candidates by default,
 * the real secret among them: as a prober, a fake server and an eavesdropper, against the CPace handshake
 * and against the pre-CPace HMAC scheme it replaced. Results go to BENCHMARKS.md §"Offline attack".
 *
 *   bun bench/offline-attack.ts [--size N] [--scheme cpace|hmac|both]
 */
import { capture, crack, dictionary, type Role, type Scheme } from "../test/helpers/offline-attack.ts";

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : dflt;
};
const SIZE = Number(opt("--size", "1000000"));
const which = opt("--scheme", "both");
const schemes: Scheme[] = which === "both" ? ["hmac", "cpace"] : [which as Scheme];
const SECRET = "letmein4242";
const GUESS = "password1";

console.log(`offline attack: ${SIZE} candidates, secret "${SECRET}" inside, live guess "${GUESS}"; load: ${(await Bun.$`uptime`.text()).trim()}`);
for (const scheme of schemes) {
  for (const role of ["prober", "fake-server", "eavesdropper"] as Role[]) {
    const r = crack(capture(scheme, role, SECRET, GUESS), dictionary(SIZE, SECRET, GUESS));
    const rate = Math.round(r.tried / (r.ms / 1000));
    console.log(
      `${scheme.padEnd(5)} ${role.padEnd(12)} tried ${r.tried}  found ${r.found.length ? JSON.stringify(r.found) : "nothing"}  ${(r.ms / 1000).toFixed(1)} s  (${rate}/s)`,
    );
  }
}
