using SecureMqtt.Cli;

return await SmqttCli.InvokeAsync(args).ConfigureAwait(false);
