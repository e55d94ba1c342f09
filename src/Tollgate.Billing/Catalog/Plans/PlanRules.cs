using Tollgate.Billing.Catalog.RateCards;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.Plans;

/// <summary>
/// OpenMeter's plan rules. Broken ones refuse the request with a 400 naming the field; the few OpenMeter lets a
/// draft have (a phase without rate cards) are the plan's <see cref="Plan.ValidationErrors"/> and block publishing.
/// </summary>
public static class PlanRules
{
    /// <summary>Checks <paramref name="plan"/> against the catalog in <paramref name="state"/>; throws the first problem.</summary>
    public static void Validate(BillingState state, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(plan);
        RateCardRules.Text("name", plan.Name, 256, required: true);
        RateCardRules.Text("description", plan.Description, 1024, required: false);
        Keys.Require("key", plan.Key);
        Currencies.Require("currency", plan.Currency);
        var cadence = IsoDuration.Parse("billingCadence", plan.BillingCadence);
        if (!cadence.IsAtLeastAnHour)
        {
            throw new BillingValidationException("billingCadence", "must be at least 1 hour");
        }

        if (plan.ProRatingConfig is null || !Enum.IsDefined(plan.ProRatingConfig.Mode))
        {
            throw new BillingValidationException("proRatingConfig.mode", "must be prorate_prices");
        }

        if (plan.Phases is not { Count: > 0 } phases)
        {
            throw new BillingValidationException("phases", "needs at least one phase");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < phases.Count; i++)
        {
            var at = $"phases[{i}]";
            var phase = phases[i] ?? throw new BillingValidationException(at, "must be a phase");
            Keys.Require($"{at}.key", phase.Key);
            if (!keys.Add(phase.Key))
            {
                throw new BillingValidationException($"{at}.key", $"\"{phase.Key}\" is already the key of another phase");
            }

            RateCardRules.Text($"{at}.name", phase.Name, 256, required: true);
            RateCardRules.Text($"{at}.description", phase.Description, 1024, required: false);
            var last = i == phases.Count - 1;
            if (phase.Duration is null && !last)
            {
                throw new BillingValidationException($"{at}.duration", "is required on every phase but the last");
            }

            if (phase.Duration is not null)
            {
                if (last)
                {
                    throw new BillingValidationException($"{at}.duration", "must be null on the last phase: it lasts as long as the subscription");
                }

                if (!IsoDuration.Parse($"{at}.duration", phase.Duration).IsAtLeastAnHour)
                {
                    throw new BillingValidationException($"{at}.duration", "must be at least 1 hour");
                }
            }

            RateCardRules.Validate(state, $"{at}.rateCards", phase.RateCards, cadence);
            CadencesAlign($"{at}.rateCards", phase.RateCards);
        }
    }

    /// <summary>
    /// Billable rate cards of one phase must have cadences that align with each other too (P2M and P3M both divide
    /// a P6M plan, but a phase cannot bill on both).
    /// </summary>
    public static void CadencesAlign(string path, IReadOnlyList<RateCard> rateCards)
    {
        ArgumentNullException.ThrowIfNull(rateCards);
        var billable = new List<(int Index, IsoDuration Cadence)>();
        for (var j = 0; j < rateCards.Count; j++)
        {
            if (rateCards[j].Price is not null && rateCards[j].Cadence() is { } cadence)
            {
                foreach (var (index, other) in billable)
                {
                    if (!IsoDuration.Aligned(other, cadence))
                    {
                        throw new BillingValidationException($"{path}[{j}].billingCadence", $"{cadence} does not align with {other} of {path}[{index}]: billable rate cards need compatible cadences");
                    }
                }

                billable.Add((j, cadence));
            }
        }
    }

    /// <summary>What OpenMeter allows in a draft but not in a published plan.</summary>
    public static IReadOnlyList<ValidationError> PublishIssues(Plan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        List<ValidationError> issues = [];
        for (var i = 0; i < plan.Phases.Count; i++)
        {
            if (plan.Phases[i].RateCards.Count == 0)
            {
                issues.Add(new ValidationError($"phases[{i}].rateCards", "plan_phase_has_no_rate_cards", "plan phase must have at least one rate card"));
            }
        }

        return issues;
    }
}
