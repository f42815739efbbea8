import { transportCompliance } from "../transport-compliance.ts";
import { memoryTransport } from "../helpers/memory-transport.ts";
transportCompliance("memory", async () => ({ transport: memoryTransport(), listenUrl: new URL("mem://") }));
transportCompliance("memory, impaired", async () => ({ transport: memoryTransport({ name: "memx", link: { delayMs: 2, jitterMs: 3, chunkSplit: true, highWaterMark: 100_000, seed: 7 } }), listenUrl: new URL("memx://") }));
