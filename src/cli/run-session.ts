/** Glue between one session and its local side, with a promise for its end. */
import type { Session, SessionEvents } from "../core/session.ts";
import type { LocalSide } from "../modes/local-side.ts";

export interface RunHandle {
  events: SessionEvents;
  /** Resolves when the session is over: undefined = clean close. */
  done: Promise<Error | undefined>;
  session: Session | null;
  local: LocalSide;
  attach(session: Session): void;
}

export function sessionEvents(local: LocalSide): RunHandle {
  let resolve!: (e: Error | undefined) => void;
  const done = new Promise<Error | undefined>((r) => (resolve = r));
  const h: RunHandle = {
    local,
    session: null,
    done,
    events: {
      data: (v) => local.data(v),
      end: () => local.end(),
      drain: () => local.drain(),
      release: (frame) => local.release?.(frame),
      closed: (err) => {
        local.close(err);
        resolve(err);
      },
    },
    attach(session) {
      h.session = session;
      if (session.state === "open") local.start(session);
    },
  };
  return h;
}
