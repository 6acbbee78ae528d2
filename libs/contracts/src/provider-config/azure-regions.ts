/** Public, government and China Azure regions where Azure OpenAI resources can live. */
export const AZURE_REGIONS: ReadonlySet<string> = new Set([
  'australiaeast', 'australiasoutheast', 'brazilsouth', 'canadacentral', 'canadaeast',
  'centralindia', 'centralus', 'chinaeast2', 'chinanorth3', 'eastasia', 'eastus', 'eastus2',
  'francecentral', 'germanywestcentral', 'israelcentral', 'italynorth', 'japaneast', 'japanwest',
  'koreacentral', 'mexicocentral', 'northcentralus', 'northeurope', 'norwayeast', 'polandcentral',
  'qatarcentral', 'southafricanorth', 'southcentralus', 'southeastasia', 'southindia',
  'spaincentral', 'swedencentral', 'switzerlandnorth', 'switzerlandwest', 'uaenorth', 'uksouth',
  'ukwest', 'usgovarizona', 'usgovvirginia', 'westcentralus', 'westeurope', 'westus', 'westus2',
  'westus3',
]);
