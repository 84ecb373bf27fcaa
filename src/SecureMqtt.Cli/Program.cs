using SecureMqtt.Cli;
using SecureMqtt.Cli.Common;

OsTrustStore.OwnsProcess = true;
return await SmqttCli.InvokeAsync(args).ConfigureAwait(false);
