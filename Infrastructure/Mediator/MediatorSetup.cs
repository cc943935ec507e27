using System.Reflection;
using FluentValidation;
using MediatR;

namespace Messenger.Infrastructure.Mediator;

public static class MediatorSetup
{
    /// <summary>
    /// MediatR 5 has no DI package that restores here, so handlers are found by a small scan.
    /// Moving to MediatR 12 means replacing this method with AddMediatR(cfg => ...) and swapping
    /// the argument order in the behaviors' Handle methods.
    /// </summary>
    public static IServiceCollection AddMediatorPipeline(this IServiceCollection services)
    {
        var assembly = Assembly.GetExecutingAssembly();
        var handlers =
            from type in assembly.GetTypes()
            where type is { IsClass: true, IsAbstract: false, IsGenericTypeDefinition: false }
            from contract in type.GetInterfaces()
            where contract.IsGenericType && contract.GetGenericTypeDefinition() == typeof(IRequestHandler<,>)
            select (contract, type);
        foreach (var (contract, type) in handlers)
            services.AddTransient(contract, type);

        services.AddTransient<ServiceFactory>(provider => provider.GetService!);
        services.AddTransient<IMediator, MediatR.Mediator>();
        // Registration order is pipeline order: logging wraps validation wraps rate limits wraps the
        // handler, so a call refused as invalid costs no token.
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(LoggingBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(ValidationBehavior<,>));
        services.AddTransient(typeof(IPipelineBehavior<,>), typeof(RateLimitBehavior<,>));

        // Validators hold no state, and building one builds its rules (expression trees compiled to
        // delegates), which cost more than the validation itself when done on every request.
        services.AddValidatorsFromAssembly(assembly, ServiceLifetime.Singleton, includeInternalTypes: true);
        // Field names in errors match the JSON the client sent: camelCase.
        ValidatorOptions.Global.PropertyNameResolver = (_, member, _) => CamelCase(member?.Name);
        ValidatorOptions.Global.DisplayNameResolver = (_, member, _) => CamelCase(member?.Name);
        ValidatorOptions.Global.LanguageManager = new FieldlessMessages();
        return services;
    }

    private static string? CamelCase(string? name) =>
        name is null ? null : System.Text.Json.JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>
    /// Errors are already keyed by field, so messages leave the name out: the hub then reads
    /// <c>400 Bad Request: body: must not be empty</c> rather than repeating the field.
    /// </summary>
    private sealed class FieldlessMessages : FluentValidation.Resources.LanguageManager
    {
        public override string GetString(string key, System.Globalization.CultureInfo? culture = null) =>
            base.GetString(key, culture).Replace("The length of '{PropertyName}' ", "").Replace("'{PropertyName}' ", "").TrimEnd('.');
    }
}
