'use strict';
/**
 * serverless-alarm-destination: `sls deploy` refuses, with one line, a stage whose alarms would reach no one.
 *
 * serverless.yml `custom.alarmDestination` gives `email` (the stage's `alarmEmail` param) and `required` (the
 * stage's `alarmDestinationRequired` param, true for prod). A deploy of a stage that requires a destination and has
 * none stops in the `initialize` hook, before anything is packaged or uploaded. Every other command (offline
 * `sls package`, `sls print`, `deploy function`, ...) is unaffected.
 */

/** The refusal message for this command and configuration, or null when the command may go on. */
function refusal({ command, stage, destination }) {
  if (command !== 'deploy') return null; // the stack deploy only; `deploy function`/`deploy list` change no alarm
  if (!destination || destination.required !== true) return null;
  if (typeof destination.email === 'string' && destination.email.trim() !== '') return null;
  return `Stage ${stage} needs an alarm destination, or its alarms and failure notices reach no one: deploy with --param="alarmEmail=<address>".`;
}

class ServerlessAlarmDestination {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { initialize: () => this.check() };
  }

  check() {
    const sls = this.serverless;
    const message = refusal({
      command: sls.processedInput.commands.join(' '),
      stage: sls.getProvider('aws').getStage(),
      destination: (sls.service.custom || {}).alarmDestination,
    });
    if (message) throw new sls.classes.Error(message, 'FLEETLAKE_NO_ALARM_DESTINATION');
  }
}

module.exports = ServerlessAlarmDestination;
module.exports.refusal = refusal;
