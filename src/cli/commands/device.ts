// `crmsync device list|revoke|restore|app-password` (issue 3 item 2; SPEC A1).
import type { Command } from 'commander';
import { listDevices, restoreDevice, revokeDevice, setDeviceAppPassword } from '../../dav/devices.js';
import { findUser, withApp } from '../app.js';
import { passwordFrom, type PasswordFlags } from '../secrets.js';
import { formatTable, isoTime, yesNo } from '../table.js';

export function registerDevice(program: Command): void {
  const device = program.command('device').description('phones and desktops that sync over CalDAV/CardDAV (login NAME_device=DEVICE)');

  device.command('list').description('a user\'s devices with first and last seen')
    .requiredOption('--user <name>', 'whose devices')
    .action(async (flags: { user: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const rows = (await listDevices(app.crm, user.id)).map((d) => [
          d.name, d.userAgent ?? '', isoTime(d.firstSeen), isoTime(d.lastSeen), yesNo(d.hasAppPassword), d.revokedAt === null ? 'active' : `revoked ${isoTime(d.revokedAt)}`,
        ]);
        process.stdout.write(formatTable(['DEVICE', 'USER AGENT', 'FIRST SEEN', 'LAST SEEN', 'APP PASSWORD', 'STATE'], rows));
      });
    });

  device.command('revoke <device>').description('lock a device out at once (e.g. a phone handed to someone else)')
    .requiredOption('--user <name>', 'whose device')
    .action(async (name: string, flags: { user: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const d = await revokeDevice(app.crm, user.id, name);
        process.stdout.write(`revoked ${user.username}_device=${d.name}\n`);
      });
    });

  device.command('restore <device>').description('let a revoked device sign in again')
    .requiredOption('--user <name>', 'whose device')
    .action(async (name: string, flags: { user: string }, cmd: Command) => {
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const d = await restoreDevice(app.crm, user.id, name);
        process.stdout.write(`restored ${user.username}_device=${d.name}\n`);
      });
    });

  device.command('app-password <device>').description('set a per-device app password (the user password keeps working)')
    .requiredOption('--user <name>', 'whose device')
    .option('--password <pw>', 'the app password (prefer --password-stdin)')
    .option('--password-stdin', 'read it from standard input')
    .action(async (name: string, flags: PasswordFlags & { user: string }, cmd: Command) => {
      const password = await passwordFrom(flags);
      await withApp(cmd, async (app) => {
        const user = await findUser(app, flags.user);
        const d = await setDeviceAppPassword(app.crm, user.id, name, password);
        process.stdout.write(`app password set for ${user.username}_device=${d.name}\n`);
      });
    });
}
