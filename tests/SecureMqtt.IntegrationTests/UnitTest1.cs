namespace SecureMqtt.IntegrationTests;

public class UnitTest1
{
    [Fact]
    public void Test1()
    {

    }
}
