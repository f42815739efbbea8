/**
 * The settle-once part of every dial: AbortSignal, timeout, and dropping a pipe that connects after
 * the caller gave up. Transports (and third-party plugins) write only the connecting itself.
 */
import { TransportError } from "../src/contract/errors.ts";
import type { DialOptions } from "../src/contract/transport.ts";

export interface DialAttempt<T> {
  /** The connection is ready: resolves the dial (or aborts `value` if the dial was given up). */
  ok(value: T): void;
  fail(err: Error): void;
  /** True once the dial resolved, failed, timed out or was aborted. */
  readonly settled: boolean;
}

/**
 * Runs `start`, which connects and calls `ok`/`fail` once. `start` may return a cancel function,
 * called when the signal aborts or the timeout hits before the connection is ready.
 */
export function guardDial<T extends { abort(err?: Error): void }>(
  where: string,
  opts: DialOptions,
  start: (attempt: DialAttempt<T>) => (() => void) | void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const signal = opts.signal;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cancel: (() => void) | void = undefined;
    const settle = (): boolean => {
      if (settled) return false;
      settled = true;
      if (timer) clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
      return true;
    };
    const giveUp = (err: Error): void => {
      if (!settle()) return;
      reject(err);
      try {
        cancel?.();
      } catch {
        // the connection attempt is dropped either way
      }
    };
    const onAbort = (): void => giveUp(new TransportError("ABORTED", `${where}: aborted`, { cause: signal?.reason }));
    if (signal?.aborted) return onAbort();
    signal?.addEventListener("abort", onAbort, { once: true });
    if (opts.timeoutMs !== undefined) {
      timer = setTimeout(() => giveUp(new TransportError("ETIMEDOUT", `${where}: timed out`)), opts.timeoutMs);
    }
    const attempt: DialAttempt<T> = {
      ok: (value) => {
        if (settle()) resolve(value);
        else value.abort(new TransportError("ABORTED", `${where}: dial was given up`));
      },
      fail: (err) => void (settle() && reject(err)),
      get settled() {
        return settled;
      },
    };
    try {
      cancel = start(attempt);
    } catch (err) {
      attempt.fail(err instanceof Error ? err : new Error(String(err)));
    }
    if (settled) cancel?.();
  });
}
