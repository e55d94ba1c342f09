using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Tollgate.Billing.Catalog.Features;
using Tollgate.Billing.Storage;

namespace Tollgate.Billing.Catalog.RateCards;

/// <summary>
/// OpenMeter's rules for rate cards and their prices; the first broken one is a 400 naming the field by its path
/// from the body (<c>phases[0].rateCards[1].price.tiers[2].upToAmount</c>).
/// </summary>
public static partial class RateCardRules
{
    /// <summary>
    /// Checks the rate cards of one phase or add-on at <paramref name="path"/> against the features in
    /// <paramref name="state"/>; billable cadences must align with <paramref name="planCadence"/> when there is one.
    /// </summary>
    public static void Validate(BillingState state, string path, IReadOnlyList<RateCard?>? rateCards, IsoDuration? planCadence)
    {
        ArgumentNullException.ThrowIfNull(state);
        if (rateCards is null)
        {
            throw new BillingValidationException(path, "is required");
        }

        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rateCards.Count; i++)
        {
            var at = $"{path}[{i}]";
            var rateCard = rateCards[i] ?? throw new BillingValidationException(at, "must be a rate card");
            Validate(state, at, rateCard, planCadence);
            if (!keys.Add(rateCard.Key))
            {
                throw new BillingValidationException($"{at}.key", $"\"{rateCard.Key}\" is already the key of another rate card here; keys are unique in a phase");
            }
        }
    }

    internal static void Validate(BillingState state, string at, RateCard rateCard, IsoDuration? planCadence)
    {
        Keys.Require($"{at}.key", rateCard.Key);
        Text($"{at}.name", rateCard.Name, 256, required: true);
        Text($"{at}.description", rateCard.Description, 1024, required: false);

        Feature? feature = null;
        if (rateCard.FeatureKey is not null)
        {
            Keys.Require($"{at}.featureKey", rateCard.FeatureKey);
            feature = FeatureService.ByKey(state, rateCard.FeatureKey)
                ?? throw new BillingValidationException($"{at}.featureKey", $"no feature with key \"{rateCard.FeatureKey}\" (archived features cannot be sold)");
            if (rateCard.Key != rateCard.FeatureKey)
            {
                throw new BillingValidationException($"{at}.key", $"must equal the featureKey \"{rateCard.FeatureKey}\": a rate card for a feature is keyed by it");
            }
        }

        if (rateCard is UsageBasedRateCard)
        {
            if (feature is null)
            {
                throw new BillingValidationException($"{at}.featureKey", "a usage-based rate card needs a featureKey: its usage is what it charges for");
            }

            if (feature.MeterSlug is null)
            {
                throw new BillingValidationException($"{at}.featureKey", $"feature \"{feature.Key}\" has no meter, so it has no usage to charge for");
            }
        }

        var cadence = Cadence(at, rateCard);
        if (cadence is { } rateCardCadence && rateCard.Price is not null && planCadence is { } plan && !IsoDuration.Aligned(plan, rateCardCadence))
        {
            throw new BillingValidationException($"{at}.billingCadence", $"{rateCard.BillingCadence} does not align with the plan's billing cadence {plan}: one must be a whole multiple of the other");
        }

        if (rateCard.EntitlementTemplate is { } template)
        {
            Entitlement($"{at}.entitlementTemplate", template, feature, at);
        }

        if (rateCard.Price is { } price)
        {
            if (rateCard is FlatFeeRateCard)
            {
                var flat = price as FlatPrice ?? throw new BillingValidationException($"{at}.price.type", "a flat-fee rate card takes a flat price");
                if (flat.PaymentTerm == PaymentTerm.InArrears && cadence is null)
                {
                    throw new BillingValidationException($"{at}.price.paymentTerm", "a one-time fee (no billingCadence) is paid in advance: in arrears needs a period to end");
                }
            }

            Price($"{at}.price", price);
        }

        if (rateCard.Discounts is { } discounts)
        {
            Discount($"{at}.discounts", discounts, rateCard);
        }

        if (rateCard.TaxConfig is { } tax)
        {
            if (tax.Stripe is { } stripe && !StripeTaxCode().IsMatch(stripe.Code ?? ""))
            {
                throw new BillingValidationException($"{at}.taxConfig.stripe.code", "must be a Stripe product tax code: txcd_ and eight digits");
            }

            if (tax.CustomInvoicing is { } custom && string.IsNullOrWhiteSpace(custom.Code))
            {
                throw new BillingValidationException($"{at}.taxConfig.customInvoicing.code", "is required");
            }

            if (tax.TaxCodeId is { } taxCodeId && !UlidPattern().IsMatch(taxCodeId))
            {
                throw new BillingValidationException($"{at}.taxConfig.taxCodeId", "must be a ULID");
            }
        }
    }

    /// <summary>A price's own rules, as OpenMeter checks them: amounts not negative, tiers ascending, commitments ordered.</summary>
    public static void Price(string at, Price price)
    {
        ArgumentNullException.ThrowIfNull(price);
        switch (price)
        {
            case FlatPrice flat:
                NotNegative($"{at}.amount", flat.Amount);
                break;
            case UnitPrice unit:
                NotNegative($"{at}.amount", unit.Amount);
                break;
            case PackagePrice package:
                NotNegative($"{at}.amount", package.Amount);
                if (package.QuantityPerPackage <= 0)
                {
                    throw new BillingValidationException($"{at}.quantityPerPackage", "must be greater than 0");
                }

                break;
            case DynamicPrice dynamic:
                NotNegative($"{at}.multiplier", dynamic.Multiplier);
                break;
            case TieredPrice tiered:
                Tiers(at, tiered);
                break;
        }

        if (price is PriceWithCommitments commitments)
        {
            if (commitments.MinimumAmount is { } minimum)
            {
                NotNegative($"{at}.minimumAmount", minimum);
            }

            if (commitments.MaximumAmount is { } maximum)
            {
                NotNegative($"{at}.maximumAmount", maximum);
                if (commitments.MinimumAmount is { } min && min > maximum)
                {
                    throw new BillingValidationException($"{at}.minimumAmount", $"must not be greater than maximumAmount ({Api.NumericConverter.Format(maximum)})");
                }
            }
        }
    }

    private static void Tiers(string at, TieredPrice tiered)
    {
        if (!Enum.IsDefined(tiered.Mode))
        {
            throw new BillingValidationException($"{at}.mode", "must be volume or graduated");
        }

        if (tiered.Tiers is not { Count: > 0 } tiers)
        {
            throw new BillingValidationException($"{at}.tiers", "needs at least one tier");
        }

        decimal? previous = null;
        for (var k = 0; k < tiers.Count; k++)
        {
            var tierAt = $"{at}.tiers[{k}]";
            var tier = tiers[k] ?? throw new BillingValidationException(tierAt, "must be a tier");
            if (tier.FlatPrice is null && tier.UnitPrice is null)
            {
                throw new BillingValidationException(tierAt, "needs a flatPrice, a unitPrice or both");
            }

            if (tier.FlatPrice is { } flat)
            {
                NotNegative($"{tierAt}.flatPrice.amount", flat.Amount);
            }

            if (tier.UnitPrice is { } unit)
            {
                NotNegative($"{tierAt}.unitPrice.amount", unit.Amount);
            }

            if (tier.UpToAmount is not { } upTo)
            {
                if (k != tiers.Count - 1)
                {
                    throw new BillingValidationException($"{tierAt}.upToAmount", "is required on every tier but the last (only the last tier is open-ended)");
                }

                continue;
            }

            if (upTo <= 0)
            {
                throw new BillingValidationException($"{tierAt}.upToAmount", "must be greater than 0");
            }

            if (previous is { } below && upTo <= below)
            {
                throw new BillingValidationException($"{tierAt}.upToAmount", $"must be greater than the previous tier's ({Api.NumericConverter.Format(below)}): tiers ascend");
            }

            previous = upTo;
        }
    }

    private static void Entitlement(string at, EntitlementTemplate template, Feature? feature, string rateCardAt)
    {
        if (feature is null)
        {
            throw new BillingValidationException($"{rateCardAt}.featureKey", "an entitlement template needs the rate card's feature");
        }

        switch (template)
        {
            case MeteredEntitlementTemplate metered:
                if (feature.MeterSlug is null)
                {
                    throw new BillingValidationException($"{at}.type", $"a metered entitlement needs a metered feature; \"{feature.Key}\" has no meter");
                }

                if (metered.IssueAfterReset is { } issue && issue < 0)
                {
                    throw new BillingValidationException($"{at}.issueAfterReset", "must not be negative");
                }

                if (metered.IssueAfterResetPriority is { } priority)
                {
                    if (priority is < 1 or > 255)
                    {
                        throw new BillingValidationException($"{at}.issueAfterResetPriority", "must be from 1 to 255");
                    }

                    if (metered.IssueAfterReset is null)
                    {
                        throw new BillingValidationException($"{at}.issueAfterReset", "is required when issueAfterResetPriority is set");
                    }
                }

                if (metered.UsagePeriod is not null)
                {
                    var period = IsoDuration.Parse($"{at}.usagePeriod", metered.UsagePeriod);
                    if (!period.IsAtLeastAnHour)
                    {
                        throw new BillingValidationException($"{at}.usagePeriod", "must be at least 1 hour");
                    }
                }

                break;
            case StaticEntitlementTemplate fixedConfig:
                if (!IsJson(fixedConfig.Config))
                {
                    throw new BillingValidationException($"{at}.config", "must be JSON in a string, e.g. \"{\\\"seats\\\":5}\"");
                }

                break;
        }
    }

    private static void Discount(string at, Discounts discounts, RateCard rateCard)
    {
        if (rateCard.Price is null && (discounts.Percentage is not null || discounts.Usage is not null))
        {
            throw new BillingValidationException(at, "discounts need a price: a free rate card has nothing to discount");
        }

        if (discounts.Percentage is { } percentage && percentage.Percentage is < 0 or > 100)
        {
            throw new BillingValidationException($"{at}.percentage.percentage", "must be from 0 to 100");
        }

        if (discounts.Usage is { } usage)
        {
            if (rateCard is FlatFeeRateCard || rateCard.Price is FlatPrice)
            {
                throw new BillingValidationException($"{at}.usage", "a usage discount needs a usage price: flat prices take only percentage discounts");
            }

            if (usage.Quantity <= 0)
            {
                throw new BillingValidationException($"{at}.usage.quantity", "must be greater than 0");
            }
        }
    }

    private static IsoDuration? Cadence(string at, RateCard rateCard)
    {
        if (rateCard.BillingCadence is null)
        {
            return rateCard is UsageBasedRateCard
                ? throw new BillingValidationException($"{at}.billingCadence", "is required on a usage-based rate card")
                : null;
        }

        var cadence = IsoDuration.Parse($"{at}.billingCadence", rateCard.BillingCadence);
        return cadence.IsAtLeastAnHour
            ? cadence
            : throw new BillingValidationException($"{at}.billingCadence", "must be at least 1 hour");
    }

    /// <summary>A required or optional text field with OpenMeter's length limit.</summary>
    public static void Text(string field, string? value, int maxLength, bool required)
    {
        if (required && string.IsNullOrWhiteSpace(value))
        {
            throw new BillingValidationException(field, "is required");
        }

        if (value is not null && value.Length > maxLength)
        {
            throw new BillingValidationException(field, $"must be at most {maxLength.ToString(CultureInfo.InvariantCulture)} characters");
        }
    }

    private static void NotNegative(string field, decimal value)
    {
        if (value < 0)
        {
            throw new BillingValidationException(field, "must not be negative");
        }
    }

    private static bool IsJson(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        try
        {
            using var _ = JsonDocument.Parse(text);
            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^txcd_\d{8}$", RegexOptions.CultureInvariant)]
    private static partial Regex StripeTaxCode();

    [GeneratedRegex("^[0-7][0-9A-HJKMNP-TV-Za-hjkmnp-tv-z]{25}$", RegexOptions.CultureInvariant)]
    private static partial Regex UlidPattern();
}
