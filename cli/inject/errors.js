import { CliError, EXIT } from "../errors.js";

/** `isthmus inject` met a project it does not understand; nothing was written. */
export class InjectionRefusedError extends CliError {
  /** @param {string} message */
  constructor(message) {
    super(message, { code: "injection_refused", exitCode: EXIT.usage });
    this.name = "InjectionRefusedError";
  }
}
