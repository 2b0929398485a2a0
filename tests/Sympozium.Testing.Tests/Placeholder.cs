namespace Sympozium.Testing.Tests; public class Placeholder {}
