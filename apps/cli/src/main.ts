import { pathToFileURL } from 'node:url';
import { parseCommand, UsageError, type TIo } from './command';
import { registry } from './commands/index';

function help(): string {
  const lines = ['usage: musar <group> <command> [--options]', ''];
  for (const [g, group] of Object.entries(registry)) {
    lines.push(`${g}: ${group.summary}`);
    for (const [c, cmd] of Object.entries(group.commands))
      lines.push(`  ${g} ${c.padEnd(10)} ${cmd.summary}`);
  }
  return lines.join('\n');
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failure, 2 usage error). */
export async function main(
  argv: string[],
  io: TIo = { out: console.log, err: console.error },
): Promise<number> {
  const [groupName, commandName, ...rest] = argv;
  if (!groupName || groupName === '--help' || groupName === 'help') {
    io.out(help());
    return groupName ? 0 : 2;
  }
  const group = registry[groupName];
  if (!group) {
    io.err(`unknown command group "${groupName}"\n\n${help()}`);
    return 2;
  }
  // A group with a `default` command runs it when no command name is given (`musar generate --model …`).
  // …and one whose default takes positionals runs it for an argument that names no command (`musar verify FILE`).
  const positional = Boolean(
    commandName && !group.commands[commandName] && group.commands.default?.positionals,
  );
  const useDefault =
    (!commandName || commandName.startsWith('--') || positional) && group.commands.default;
  const cmd = useDefault
    ? group.commands.default
    : commandName
      ? group.commands[commandName]
      : undefined;
  const args = useDefault && commandName ? [commandName, ...rest] : rest;
  if (!cmd) {
    io.err(`unknown command "${groupName} ${commandName ?? ''}"\n\n${help()}`);
    return 2;
  }
  try {
    await cmd.run(parseCommand(cmd, args), io);
    return 0;
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(err.message);
      return 2;
    }
    io.err(`error: ${(err as Error).message}`);
    return 1;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  // A failed command exits at once: a worker thread it started (batch prefetch, training shards)
  // must not keep a failed run's process alive. stderr is synchronous on files and pipes here.
  main(process.argv.slice(2)).then((code) => {
    if (code !== 0) process.exit(code);
    process.exitCode = code;
  });
}
