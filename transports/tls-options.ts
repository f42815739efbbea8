/**
 * TLS policy shared by tls:// and wss://: Bun TLS options from TransportOptions, the client-side
 * certificate check (CA chain + name, or a pinned fingerprint, or --insecure), the server side
 * (given certificate or an ephemeral self-signed one, optional client certificates), and errors
 * that say what to do.
 */
import type { TLSOptions } from "bun";
import { X509Certificate } from "node:crypto";
import { TransportError } from "../src/contract/errors.ts";
import { generateSelfSigned } from "./self-signed.ts";
import type { SinkSocket } from "./socket-pipe.ts";
import type { TransportOptions } from "../src/contract/transport.ts";

/** "sha256:abcd…" (lower case, no colons) of a certificate. */
export function fingerprintOf(cert: X509Certificate): string {
  return `sha256:${cert.fingerprint256.replaceAll(":", "").toLowerCase()}`;
}

/** Pins as given by the CLI ("sha256:hex", colons allowed, any case) → normalised form. */
export function normalisePins(pins: readonly string[] | undefined): string[] {
  return (pins ?? []).map((p) => `sha256:${p.replace(/^sha256:/i, "").replaceAll(":", "").toLowerCase()}`);
}

export interface ClientTlsPlan {
  /** Options for Bun.connect / upgradeTLS (always non-empty: `tls: {}` would mean no TLS). */
  options: TLSOptions;
  /** Checks the finished handshake: undefined = accept, else the error to fail the dial with. */
  verify(socket: SinkSocket, ok: boolean, err: Error | null): TransportError | undefined;
  servername: string;
}

/** `host` is the dialled host (SNI and name check unless --servername overrides it). */
export function clientTls(host: string, opts: TransportOptions, where: string): ClientTlsPlan {
  const pins = normalisePins(opts.pin);
  const servername = opts.servername ?? host;
  const options: TLSOptions = { serverName: servername, rejectUnauthorized: !(opts.insecure || pins.length > 0) };
  if (opts.ca !== undefined) options.ca = opts.ca;
  if (opts.cert !== undefined) options.cert = opts.cert;
  if (opts.key !== undefined) options.key = opts.key;
  return {
    options,
    servername,
    verify(socket, ok, err) {
      if (pins.length > 0) {
        const cert = socket.getPeerX509Certificate();
        const fp = cert ? fingerprintOf(cert) : "none";
        if (pins.includes(fp)) return undefined;
        return new TransportError("TLS", `${where}: server certificate ${fp} matches no --pin (${pins.join(", ")})`);
      }
      if (opts.insecure) return undefined;
      if (ok && !err) return undefined;
      return certError(where, err, socket);
    },
  };
}

const HINTS: Record<string, string> = {
  ERR_TLS_CERT_ALTNAME_INVALID: "the certificate is for another name: dial the name it lists or pass --servername NAME",
  DEPTH_ZERO_SELF_SIGNED_CERT: "self-signed certificate: pass --pin (the listener prints its fingerprint), --ca FILE or --insecure",
  SELF_SIGNED_CERT_IN_CHAIN: "signed by an unknown CA: pass --ca FILE with that CA, --pin or --insecure",
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: "signed by an unknown CA: pass --ca FILE with that CA, --pin or --insecure",
  UNABLE_TO_GET_ISSUER_CERT_LOCALLY: "signed by an unknown CA: pass --ca FILE with that CA, --pin or --insecure",
  UNABLE_TO_GET_ISSUER_CERT: "signed by an unknown CA: pass --ca FILE with that CA, --pin or --insecure",
  CERT_HAS_EXPIRED: "the certificate has expired",
  CERT_NOT_YET_VALID: "the certificate is not yet valid (clock skew?)",
};

/** A certificate verification failure → TransportError "TLS" with the reason, the peer's fingerprint and a hint. */
export function certError(where: string, err: Error | null, socket?: SinkSocket): TransportError {
  const code = (err as { code?: string } | null)?.code ?? "";
  const cert = socket?.getPeerX509Certificate();
  const fp = cert ? `; server certificate ${fingerprintOf(cert)}` : "";
  const hint = HINTS[code] ? ` — ${HINTS[code]}` : "";
  const reason = err?.message ?? "certificate not trusted";
  return new TransportError("TLS", `${where}: certificate verification failed: ${reason}${code ? ` (${code})` : ""}${hint}${fp}`, { cause: err });
}

/** An error during/after the TLS handshake (alerts, protocol errors) → TransportError "TLS" with a hint. */
export function tlsFailure(where: string, err: unknown): TransportError {
  const message = err instanceof Error ? err.message : String(err);
  let hint = "";
  if (/CERTIFICATE_REQUIRED|PEER_DID_NOT_RETURN_A_CERTIFICATE/i.test(message)) {
    hint = " — the server requires a client certificate: pass --client-cert FILE --client-key FILE";
  } else if (/ALERT_(BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN|DECRYPT_ERROR)/i.test(message)) {
    hint = " — the server rejected our client certificate";
  } else if (/WRONG_VERSION_NUMBER|HTTP_REQUEST|UNEXPECTED_RECORD|PACKET_LENGTH_TOO_LONG/i.test(message)) {
    hint = " — the peer does not speak TLS here (plain tcp:// or ws:// endpoint?)";
  }
  return new TransportError("TLS", `${where}: TLS failed: ${message}${hint}`, { cause: err });
}

/** TLS facts for PipeInfo.details. */
export function tlsDetails(socket: SinkSocket, extra: Record<string, string> = {}): Record<string, string> {
  const d: Record<string, string> = { ...extra };
  try {
    d.tlsVersion = socket.getTLSVersion();
    d.cipher = socket.getCipher().name;
    const peer = socket.getPeerX509Certificate();
    if (peer) d.peerFingerprint = fingerprintOf(peer);
  } catch {
    // details are best effort
  }
  return d;
}

export interface ServerTlsPlan {
  options: TLSOptions;
  /** Client certificates required (mutual TLS): the handshake handler refuses a client without a valid one. */
  requireClientCert: boolean;
  notes: string[];
}

let ephemeral: { cert: string; key: string; fingerprint: string } | undefined;

/**
 * Server TLS: the given cert/key, or one ephemeral self-signed certificate per process (its
 * fingerprint goes to Listener.notes). `hosts` are added to the ephemeral certificate's names.
 */
export function serverTls(opts: TransportOptions, hosts: readonly string[], label: string): ServerTlsPlan {
  const notes: string[] = [];
  let cert = opts.cert;
  let key = opts.key;
  if (cert === undefined || key === undefined) {
    ephemeral ??= generateSelfSigned(hosts);
    cert = ephemeral.cert;
    key = ephemeral.key;
    notes.push(`${label}: no --cert/--key given, using an ephemeral self-signed certificate ${ephemeral.fingerprint}` +
      ` (clients: --pin ${ephemeral.fingerprint})`);
  } else {
    try {
      notes.push(`${label}: certificate ${fingerprintOf(new X509Certificate(cert))}`);
    } catch (err) {
      throw new TransportError("TLS", `${label}: cannot parse the certificate: ${(err as Error).message}`);
    }
  }
  const options: TLSOptions = { cert, key };
  const requireClientCert = opts.requestCert === true;
  if (requireClientCert) {
    if (opts.ca === undefined) throw new TransportError("TLS", `${label}: client certificates need a CA (--ca FILE)`);
    options.ca = opts.ca;
    options.requestCert = true;
    options.rejectUnauthorized = true;
  }
  return { options, requireClientCert, notes };
}
