// `backchat serve` with its modules loaded ahead of time: loads dist/'s bundle of the commands, prints
// "warm", waits for SIGUSR2, then runs dist/cli/main.js with `serve` and this script's arguments.
// Crash tests start the next server this way while the previous one still runs, so a restart costs
// the server's own start-up (database, recovery, listen) and not Node's module loading.
// Exits with code 3 if nobody starts it within 10 minutes.
const cliEntry = new URL('../../dist/cli/main.js', import.meta.url);

// The same module dist/cli/main.js imports, so running it later finds it loaded.
await import(new URL('../../dist/cli/backchat.js', import.meta.url).href);

const abandoned = setTimeout(() => process.exit(3), 600_000);
const go = new Promise((resolve) => process.once('SIGUSR2', resolve));
process.stdout.write('warm\n');
await go;
clearTimeout(abandoned);

process.argv = [process.argv[0], cliEntry.pathname, 'serve', ...process.argv.slice(2)];
await import(cliEntry.href);
