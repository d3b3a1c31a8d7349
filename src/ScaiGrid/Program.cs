using ScaiGrid.Core.Hosting;
using ScaiGrid.Core.Modules;

// Modules compiled into this binary are listed in the catalog; more load from SCAIGRID_MODULE_PATH.
// None runs unless SCAIGRID_MODULES names it.
var catalog = new ModuleCatalog();
return await ScaiGridCli.RunAsync(args, ScaiGridCli.ProcessEnvironment(), catalog);
