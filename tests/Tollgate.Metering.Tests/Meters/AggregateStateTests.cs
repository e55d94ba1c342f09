using Tollgate.Metering.Meters;

namespace Tollgate.Metering.Tests.Meters;

public sealed class AggregateStateTests
{
    [Fact]
    public void Merging_keeps_every_aggregation_exact()
    {
        var state = default(AggregateState);
        state.Add(0.1m, 30);
        state.Add(0.2m, 10);
        var other = AggregateState.Of(-5.25m, 20);
        other.Add(100m, 40);
        state.Merge(other);

        Assert.Equal(4, state.Result(MeterAggregation.Count));
        Assert.Equal(95.05m, state.Result(MeterAggregation.Sum));
        Assert.Equal(23.7625m, state.Result(MeterAggregation.Avg));
        Assert.Equal(-5.25m, state.Result(MeterAggregation.Min));
        Assert.Equal(100m, state.Result(MeterAggregation.Max));
        Assert.Equal(100m, state.Result(MeterAggregation.Latest));
    }

    [Fact]
    public void Latest_is_the_value_with_the_latest_event_time_not_the_last_merged()
    {
        var state = AggregateState.Of(7m, 200);
        state.Merge(AggregateState.Of(9m, 100));
        Assert.Equal(7m, state.Result(MeterAggregation.Latest));
    }

    [Fact]
    public void An_empty_state_has_no_min_max_avg_or_latest_but_counts_zero()
    {
        var state = default(AggregateState);
        Assert.Equal(0m, state.Result(MeterAggregation.Count));
        Assert.Equal(0m, state.Result(MeterAggregation.Sum));
        Assert.Null(state.Result(MeterAggregation.Avg));
        Assert.Null(state.Result(MeterAggregation.Min));
        Assert.Null(state.Result(MeterAggregation.Latest));
    }

    [Fact]
    public void Sums_of_many_small_prices_do_not_drift_as_doubles_would()
    {
        var state = default(AggregateState);
        for (var i = 0; i < 100_000; i++)
        {
            state.Add(0.00002m, i);
        }

        Assert.Equal(2.00000m, state.Result(MeterAggregation.Sum));
    }
}
