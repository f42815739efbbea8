/**
 * Protocol tracing (-vv): the engine reports frame-level detail — frames sent and received per subflow,
 * handshake steps, doubt, stall and resend decisions — through this one hook. The composition layer
 * (src/api) hands it to the engine when asked (`BondOptions.trace`; the CLI sets it at -vv); the engine
 * imports no logger. Off (null), a trace site costs one field check: no string is built, nothing allocated.
 *
 * `subflow` names the subflow (its path label, or "#id transport remote"); `message` is one line, and any
 * text in it that came from the peer (an ABORT reason) is already escaped (printable()).
 */
export type Trace = (subflow: string, message: string) => void;
