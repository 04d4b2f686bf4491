/** `baton cancel ID`: cancels a pending or waiting job at once; asks a running job's worker to stop. */
import { type ClientCommand, type CommandContext, positionals, statusLine } from './command.ts';

export const cancelCommand: ClientCommand = {
  name: 'cancel',
  options: {},
  async run(context: CommandContext) {
    const [id] = positionals(context, 'id');
    context.io.stdout(statusLine(await context.client.cancel(id), context.io.colour));
    return 0;
  },
};
