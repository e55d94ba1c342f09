using System.Collections.Frozen;
using System.Globalization;

namespace Tollgate.Billing;

/// <summary>An ISO 4217 currency and the decimals of its minor unit (USD 2, JPY 0, BHD 3).</summary>
public sealed record Currency(string Code, int MinorUnits)
{
    /// <summary>Rounds an amount to this currency's minor unit, half away from zero (as invoices round each line).</summary>
    public decimal Round(decimal amount) => Math.Round(amount, MinorUnits, MidpointRounding.AwayFromZero);
}

/// <summary>The ISO 4217 currencies in circulation, with their minor units.</summary>
public static class Currencies
{
    private static readonly FrozenDictionary<string, Currency> All = Table().ToFrozenDictionary(c => c.Code, StringComparer.Ordinal);

    public static Currency USD { get; } = All["USD"];

    public static bool TryGet(string? code, out Currency currency)
    {
        currency = null!;
        return code is not null && All.TryGetValue(code, out currency!);
    }

    /// <summary>The currency of <paramref name="code"/>, or a 400 on <paramref name="field"/>.</summary>
    public static Currency Require(string field, string? code) =>
        TryGet(code, out var currency)
            ? currency
            : throw new BillingValidationException(field, code is null ? "is required" : $"\"{code}\" is not an ISO 4217 currency code (e.g. USD, EUR, JPY)");

    private static IEnumerable<Currency> Table()
    {
        // Three decimals: BHD IQD JOD KWD LYD OMR TND. None: the list below. Everything else: two.
        const string three = "BHD IQD JOD KWD LYD OMR TND";
        const string zero = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
        const string codes =
            "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD CAD CDF CHF " +
            "CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG " +
            "HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA " +
            "MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG QAR RON RSD " +
            "RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX " +
            "USD UYI UYU UZS VES VND VUV WST XAF XCD XOF XPF YER ZAR ZMW ZWL";
        foreach (var code in codes.Split(' '))
        {
            var minor = three.Contains(code, StringComparison.Ordinal) ? 3 : zero.Contains(code, StringComparison.Ordinal) ? 0 : 2;
            yield return new Currency(code, minor);
        }
    }

    /// <summary>An amount as the API writes money: invariant, exactly the currency's decimals.</summary>
    public static string Format(decimal amount, Currency currency)
    {
        ArgumentNullException.ThrowIfNull(currency);
        return currency.Round(amount).ToString("F" + currency.MinorUnits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
    }
}
