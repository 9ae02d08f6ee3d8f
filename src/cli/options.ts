import { Option, type Command } from 'commander';
import { describeType } from '../config/config.js';
import { OPTIONS, envName, flagName } from '../config/options.js';

/** Adds one flag per config option (and its alias) to a command, documented from the table. */
export function addConfigOptions(command: Command): Command {
  command.addOption(new Option('--config <file>', 'JSON config file (same shape as `lifelong config` prints)'));
  for (const option of OPTIONS) {
    const value = option.type.kind === 'bool' ? '[bool]' : '<value>';
    const defaultText = option.default === undefined || option.default === '' ? '' : ` (default: ${JSON.stringify(option.default)})`;
    const help = `${option.doc} Accepts ${describeType(option.type)}; env ${envName(option.path)}${defaultText}`;
    command.addOption(new Option(`--${flagName(option.path)} ${value}`, help));
    if (option.alias && option.alias !== flagName(option.path)) command.addOption(new Option(`--${option.alias} ${value}`, `Same as --${flagName(option.path)}.`).hideHelp());
  }
  return command;
}

/** Commander's parsed options → config flags keyed by option path. */
export function configFlags(parsed: Record<string, unknown>): Record<string, unknown> {
  const flags: Record<string, unknown> = {};
  for (const option of OPTIONS) {
    const value = parsed[camel(flagName(option.path))] ?? (option.alias ? parsed[camel(option.alias)] : undefined);
    if (value !== undefined) flags[option.path] = value;
  }
  return flags;
}

function camel(flag: string): string {
  return flag.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}
