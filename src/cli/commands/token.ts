// `crmsync token create|revoke|list` (issue 2 items 6–7): API tokens, shown once, stored hashed.
import type { Command } from 'commander';
import { createApiToken, listApiTokens, revokeApiToken } from '../../auth/tokens.js';
import { listUsers } from '../../crm/users.js';
import { findUser, withApp } from '../app.js';
import { formatTable, isoTime } from '../table.js';

export function registerToken(program: Command): void {
  const token = program.command('token').description('manage API tokens');

  token.command('create').description('create an API token for a user (printed once)')
    .requiredOption('--user <name>', 'the user the token acts as')
    .requiredOption('--name <name>', 'a name to recognise and revoke it by')
    .action(async (flags: { user: string; name: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const u = await findUser(app, flags.user);
        const created = await createApiToken(app.crm, u.id, flags.name);
        process.stderr.write(`created token "${flags.name}" (${created.id}) for ${u.username}; it is shown only this once:\n`);
        process.stdout.write(`${created.token}\n`);
      });
    });

  token.command('revoke <idOrName>').description('revoke a token by id or name')
    .option('--user <name>', 'only among this user\'s tokens')
    .action(async (idOrName: string, flags: { user?: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const userId = flags.user ? (await findUser(app, flags.user)).id : undefined;
        const info = await revokeApiToken(app.crm, idOrName, userId);
        process.stdout.write(`revoked token "${info.name}" (${info.id})\n`);
      });
    });

  token.command('list').description('list API tokens')
    .option('--user <name>', 'only this user\'s tokens')
    .action(async (flags: { user?: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const userId = flags.user ? (await findUser(app, flags.user)).id : undefined;
        const names = new Map((await listUsers(app.crm)).map((u) => [u.id, u.username]));
        const rows = (await listApiTokens(app.crm, userId)).map((t) => [
          t.id, t.name, names.get(t.userId) ?? t.userId, isoTime(t.createdAt), isoTime(t.lastUsedAt), t.revokedAt === null ? 'active' : `revoked ${isoTime(t.revokedAt)}`,
        ]);
        process.stdout.write(formatTable(['ID', 'NAME', 'USER', 'CREATED', 'LAST USED', 'STATE'], rows));
      });
    });
}
