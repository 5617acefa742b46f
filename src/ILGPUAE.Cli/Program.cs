return ILGPUAE.Cli.CliApp.Run(args);
