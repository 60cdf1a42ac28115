import analyze from "./analyze.js";
import apply from "./apply.js";
import bindings from "./bindings.js";
import cert from "./cert.js";
import config from "./config.js";
import credential from "./credential.js";
import del from "./delete.js";
import describe from "./describe.js";
import diff from "./diff.js";
import get from "./get.js";
import history from "./history.js";
import identity from "./identity.js";
import inject from "./inject.js";
import rollback from "./rollback.js";
import rollout from "./rollout.js";
import { deploy, dev } from "./scripts.js";
import split from "./split.js";
import stat from "./stat.js";
import tap from "./tap.js";
import trustBundle from "./trust-bundle.js";
import version from "./version.js";

/** Every command, in the order `isthmus --help` lists them. @type {import("../command.js").Command[]} */
export const COMMANDS = [apply, get, describe, del, diff, analyze, history, rollback, split, rollout, stat, tap, identity, cert, credential, trustBundle, inject, bindings, deploy, dev, config, version];

