// A command that emits no spans: `tracectl run` must say so.
process.stdout.write('silent-app: no tracing here\n');
