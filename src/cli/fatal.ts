/**
 * The last line of defence for a process that hosts a supervisor: a bug that escapes as an
 * uncaught exception must not leave the services orphaned. It is reported as an internal error,
 * the services are stopped (within their stop timeouts), and only then does the process exit.
 */
let emergencyStop: (() => Promise<void>) | undefined;

export function setEmergencyStop(stop: () => Promise<void>): void {
  emergencyStop = stop;
}

export function installFatalHandlers(report: (error: unknown) => void, flush: () => Promise<void> = async () => undefined): void {
  let handling = false;
  const onFatal = (error: unknown): void => {
    if (handling) return; // a second failure while stopping: the first report stands
    handling = true;
    report(error);
    const stop = emergencyStop?.() ?? Promise.resolve();
    void stop
      .catch(() => undefined)
      .then(flush)
      .finally(() => process.exit(1));
  };
  process.on('uncaughtException', onFatal);
  process.on('unhandledRejection', onFatal);
}
