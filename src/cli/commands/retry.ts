/** `baton retry ID`: puts a failed or cancelled job back in the queue. */
import { type ClientCommand, type CommandContext, positionals, statusLine } from './command.ts';

export const retryCommand: ClientCommand = {
  name: 'retry',
  options: {},
  async run(context: CommandContext) {
    const [id] = positionals(context, 'id');
    context.io.stdout(statusLine(await context.client.retry(id), context.io.colour));
    return 0;
  },
};
