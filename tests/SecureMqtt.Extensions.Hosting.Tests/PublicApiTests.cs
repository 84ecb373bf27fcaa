using System.Reflection;
using Microsoft.Extensions.DependencyInjection;

namespace SecureMqtt.Extensions.Hosting.Tests;

public sealed class PublicApiTests
{
    [Fact]
    public void The_hosting_assembly_exposes_only_the_intended_surface()
    {
        var members = typeof(MqttClientBuilder).Assembly.GetExportedTypes()
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Where(m => m is not MethodInfo { IsSpecialName: true })
                .Select(m => $"{t.FullName}.{Describe(m)}")
                .DefaultIfEmpty(t.FullName!))
            .Order(StringComparer.Ordinal)
            .ToList();

        Assert.Equal<string>(
        [
            "Microsoft.Extensions.DependencyInjection.MqttServiceCollectionExtensions.AddMqttClient(IServiceCollection, Func`2)",
            "Microsoft.Extensions.DependencyInjection.MqttServiceCollectionExtensions.AddMqttClient(IServiceCollection, IConfiguration)",
            "Microsoft.Extensions.DependencyInjection.MqttServiceCollectionExtensions.AddMqttClient(IServiceCollection, String, Func`2)",
            "Microsoft.Extensions.DependencyInjection.MqttServiceCollectionExtensions.AddMqttClient(IServiceCollection, String, IConfiguration)",
            "SecureMqtt.Extensions.Hosting.IMqttClientFactory.GetClient(String)",
            "SecureMqtt.Extensions.Hosting.IMqttClientFactory.Names",
            "SecureMqtt.Extensions.Hosting.MqttClientBuilder.Configure(Action`1)",
            "SecureMqtt.Extensions.Hosting.MqttClientBuilder.ConfigureClient(Func`2)",
            "SecureMqtt.Extensions.Hosting.MqttClientBuilder.ConfigureClient(Func`3)",
            "SecureMqtt.Extensions.Hosting.MqttClientBuilder.Name",
            "SecureMqtt.Extensions.Hosting.MqttClientBuilder.Services",
            "SecureMqtt.Extensions.Hosting.MqttHostedClientOptions..ctor()",
            "SecureMqtt.Extensions.Hosting.MqttHostedClientOptions.Client",
            "SecureMqtt.Extensions.Hosting.MqttHostedClientOptions.ConnectOnStart",
        ], members);
        Assert.All(typeof(MqttClientBuilder).Assembly.GetExportedTypes().Where(t => t.IsClass), t => Assert.True(t.IsSealed || t.IsAbstract, t.FullName));
        Assert.True(typeof(MqttServiceCollectionExtensions).IsAbstract && typeof(MqttServiceCollectionExtensions).IsSealed);

        static string Describe(MemberInfo m) => m switch
        {
            MethodBase method => $"{(method is ConstructorInfo ? ".ctor" : method.Name)}({string.Join(", ", method.GetParameters().Select(p => p.ParameterType.Name))})",
            _ => m.Name,
        };
    }
}
