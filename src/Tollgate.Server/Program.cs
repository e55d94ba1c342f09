using System.CommandLine;
using Tollgate.Server.Cli;

// Signals belong to the host (graceful drain), not to the command-line parser.
return await TollgateCommand.Create().Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
