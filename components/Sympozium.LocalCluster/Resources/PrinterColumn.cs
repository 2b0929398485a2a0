namespace Sympozium.LocalCluster.Resources;

/// <summary>
/// A column of kubectl's Table output (a CRD's additionalPrinterColumns, or a built-in column).
/// <paramref name="JsonPath"/> is the simple dotted form CRDs use (".spec.instanceRef").
/// </summary>
public sealed record PrinterColumn(string Name, string Type, string JsonPath, string Format = "", string Description = "", int Priority = 0);
