# Build with the SDK, run on the ASP.NET runtime as a non-root user on port 8080.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Messenger.csproj ./
RUN dotnet restore Messenger.csproj
COPY . .
RUN dotnet publish Messenger.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The image's built-in unprivileged "app" user.
USER $APP_UID
ENTRYPOINT ["dotnet", "Messenger.dll"]
