using System.Text;
using System.Text.Json.Nodes;
using Tollgate.Gateway.Access;
using Tollgate.Gateway.Entities;

namespace Tollgate.Gateway.Tests.Access;

public sealed class EntitlementPluginTests
{
    private static Plugin Entitlement(string config) => new() { Id = Guid.NewGuid(), Name = PluginSchemas.Entitlement, Config = JsonNode.Parse(config)!.AsObject() };

    [Fact]
    public void A_feature_key_is_enough_and_the_completion_reserve_defaults_to_1024()
    {
        var plugin = Entitlement("""{"feature":"ai_token"}""");
        Assert.Empty(PluginSchemas.Check(plugin));
        Assert.Equal(new EntitlementConfig("ai_token", 1024), PluginSchemas.ReadEntitlement(plugin.Config));
        Assert.Equal("""{"feature":"ai_token","completion_reserve_tokens":1024}""", PluginSchemas.WithDefaults(plugin.Name, plugin.Config).ToJsonString());
    }

    [Theory]
    [InlineData("""{}""", "config.feature")]
    [InlineData("""{"feature":""}""", "config.feature")]
    [InlineData("""{"feature":7}""", "config.feature")]
    [InlineData("""{"feature":"ai_token","completion_reserve_tokens":0}""", "config.completion_reserve_tokens")]
    [InlineData("""{"feature":"ai_token","completion_reserve_tokens":"many"}""", "config.completion_reserve_tokens")]
    [InlineData("""{"feature":"ai_token","limit":5}""", "config.limit")]
    public void Bad_config_names_the_field(string config, string field) =>
        Assert.Contains(PluginSchemas.Check(Entitlement(config)), e => e.Field == field);

    [Theory]
    [InlineData("""{"model":"gpt-4","max_tokens":300}""", 300L)]
    [InlineData("""{"model":"gpt-4","max_completion_tokens":200,"max_tokens":300}""", 200L)]
    [InlineData("""{"input":"hi","max_output_tokens":50}""", 50L)]
    [InlineData("""{"model":"gpt-4","messages":[{"role":"user","content":"max_tokens"}]}""", null)]
    [InlineData("""{"model":"gpt-4","max_tokens":null}""", null)]
    [InlineData("""not json""", null)]
    public void The_answer_cap_is_the_smallest_the_request_sets(string body, long? cap) =>
        Assert.Equal(cap, WorstCase.AnswerCap(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void A_decision_settles_once()
    {
        var settled = new List<long>();
        var decision = AccessDecision.Admit(settled.Add);
        decision.Settle(42);
        decision.Settle(0);
        Assert.Equal([42L], settled);
        Assert.True(decision.IsAdmitted);
        var refused = AccessDecision.Refuse(AccessDenial.LimitReached, "used up");
        Assert.False(refused.IsAdmitted);
        refused.Settle(1);
    }
}
