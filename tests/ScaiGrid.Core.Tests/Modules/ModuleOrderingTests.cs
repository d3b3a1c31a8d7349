using ScaiGrid.Core.Modules;
using ScaiGrid.Modules.Sample;

namespace ScaiGrid.Core.Tests.Modules;

public sealed class ModuleOrderingTests
{
    private static ModuleCatalog Catalog() => new([new DependentModule(), new SampleModule(), new FailingModule(), new CycleAModule(), new CycleBModule()]);

    [Fact]
    public void Resolve_DependentListedFirst_PutsDependencyFirst()
    {
        var ordered = ModuleOrdering.Resolve(Catalog(), ["dependent", "sample"]);

        Assert.Equal(["sample", "dependent"], ordered.Select(m => m.Id));
    }

    [Fact]
    public void Resolve_IndependentModules_KeepTheListedOrder()
    {
        Assert.Equal(["failing", "sample"], ModuleOrdering.Resolve(Catalog(), ["failing", "sample"]).Select(m => m.Id));
        Assert.Equal(["sample", "failing"], ModuleOrdering.Resolve(Catalog(), ["sample", "failing"]).Select(m => m.Id));
    }

    [Fact]
    public void Resolve_MissingDependency_NamesBothModules()
    {
        var ex = Assert.Throws<ModuleConfigurationException>(() => ModuleOrdering.Resolve(Catalog(), ["dependent"]));

        Assert.Contains("'dependent' depends on 'sample', which is not enabled", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_Cycle_NamesTheModulesInIt()
    {
        var ex = Assert.Throws<ModuleConfigurationException>(() => ModuleOrdering.Resolve(Catalog(), ["sample", "cycle_a", "cycle_b"]));

        Assert.Contains("cycle: cycle_a, cycle_b", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Resolve_UnknownModule_ListsTheInstalledOnes()
    {
        var ex = Assert.Throws<ModuleConfigurationException>(() => ModuleOrdering.Resolve(Catalog(), ["nope"]));

        Assert.Contains("unknown module 'nope'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("sample", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Catalog_DuplicateOrInvalidId_IsRefused()
    {
        Assert.Throws<ModuleConfigurationException>(() => new ModuleCatalog([new SampleModule(), new SampleModule()]));
    }

    [Fact]
    public void Runtime_Streams_AreCoreThenModulesWithTablesInOrder()
    {
        var runtime = ModuleRuntime.Create(Catalog(), ["dependent", "sample"]);

        Assert.Equal(["core", "sample", "dependent"], runtime.Streams.Select(s => s.Id));
        Assert.Equal("scaigrid_version_mod_sample", runtime.Streams[1].VersionTable);
        Assert.Equal(["sample"], runtime.Streams[2].DependsOn);
    }
}
