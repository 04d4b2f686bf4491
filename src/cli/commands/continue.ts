/** `baton continue ID "prompt"`: a follow-up (or an answer) in the same conversation; `-` reads stdin. */
import {
  type ClientCommand,
  type CommandContext,
  positionals,
  promptArgument,
  statusLine,
} from './command.ts';

export const continueCommand: ClientCommand = {
  name: 'continue',
  options: {},
  async run(context: CommandContext) {
    const [id, promptArg] = positionals(context, 'id', 'prompt');
    const prompt = await promptArgument(promptArg, context.io);
    context.io.stdout(statusLine(await context.client.continueJob(id, prompt), context.io.colour));
    return 0;
  },
};
