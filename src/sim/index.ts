/** The generic discrete-event engine: time, events, FIFO pipes, randomness, streaming statistics. */
export * from "./bench-engine.js";
export * from "./engine.js";
export * from "./event-queue.js";
export * from "./histogram.js";
export * from "./pipe.js";
export * from "./random.js";
export * from "./sampler.js";
export * from "./series.js";
export * from "./stats.js";
export * from "./time.js";
