/**
 * Jupyter's interrupt (SIGINT to the kernel) as a flag that training loops poll between steps, so
 * that an interrupted cell stops at the end of the current step and keeps what it has.
 */

export interface InterruptWatch {
  /** True once SIGINT arrived after the watch started. */
  readonly requested: boolean;
  /** Stops listening; call it in a finally block. */
  stop(): void;
}

/**
 * Starts listening for SIGINT. Resolves after yielding to the event loop once, on purpose: a
 * notebook cell's synchronous part runs under vm's breakOnSigint, whose watchdog puts the previous
 * signal handler back when that part ends, leaving a listener added meanwhile deaf.
 */
export async function watchInterrupt(enabled = true): Promise<InterruptWatch> {
  if (!enabled) return { requested: false, stop: () => undefined };
  await new Promise((resolve) => setImmediate(resolve));
  let requested = false;
  const onSigint = (): void => { requested = true; };
  process.on('SIGINT', onSigint);
  return {
    get requested() { return requested; },
    stop: () => { process.removeListener('SIGINT', onSigint); },
  };
}
