namespace SecureMqtt.Sqlite.Tests;

public class PublicApiTests
{
    [Fact]
    public void The_sqlite_assembly_exposes_only_the_store_its_options_and_the_durability_levels()
    {
        var names = typeof(MqttSqliteSessionStore).Assembly.GetExportedTypes().Select(t => t.FullName!).Order(StringComparer.Ordinal);
        Assert.Equal(["SecureMqtt.Sqlite.MqttSqliteSessionStore", "SecureMqtt.Sqlite.MqttSqliteSessionStoreOptions", "SecureMqtt.Sqlite.MqttStoreDurability"], names);
        Assert.Equal(MqttStoreDurability.Batched, new MqttSqliteSessionStoreOptions { Path = "x" }.Durability);
    }
}
