// `crmsync group add|member|list` (issue 2 item 7; group appointments reach members, G1).
import type { Command } from 'commander';
import { createGroup, getGroup, listGroups, setGroupMember } from '../../crm/groups.js';
import { listUsers } from '../../crm/users.js';
import { findUser, withApp } from '../app.js';
import { formatTable } from '../table.js';

export function registerGroup(program: Command): void {
  const group = program.command('group').description('manage groups');

  group.command('add <name>').description('create a group')
    .action(async (name: string, _flags: unknown, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const g = await createGroup(app.crm, name);
        process.stdout.write(`created group ${g.name}\n`);
      });
    });

  group.command('member <group> <user>').description('add a user to a group (or remove with --remove)')
    .option('--remove', 'remove the user from the group')
    .action(async (groupName: string, username: string, flags: { remove?: boolean }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const g = await getGroup(app.crm, groupName);
        const u = await findUser(app, username);
        await setGroupMember(app.crm, g.id, u.id, flags.remove !== true);
        process.stdout.write(`${username} ${flags.remove ? 'removed from' : 'added to'} ${g.name}\n`);
      });
    });

  group.command('list').description('list groups and their members')
    .action(async (_flags: unknown, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const names = new Map((await listUsers(app.crm)).map((u) => [u.id, u.username]));
        const rows = (await listGroups(app.crm)).map((g) => [g.name, g.memberIds.map((id) => names.get(id) ?? id).sort().join(', ')]);
        process.stdout.write(formatTable(['GROUP', 'MEMBERS'], rows));
      });
    });
}
