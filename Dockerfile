# The web client with Node, the service with the SDK, run on the ASP.NET runtime as a non-root user on port 8080.
FROM node:20-bookworm-slim AS web
WORKDIR /src/web
COPY web/package.json web/package-lock.json ./
RUN PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund
COPY web/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Messenger.csproj ./
RUN dotnet restore Messenger.csproj
COPY . .
COPY --from=web /src/web/dist ./web/dist
# The client is already built (the web stage); publish copies web/dist next to the service.
RUN dotnet publish Messenger.csproj --configuration Release --no-restore --output /app /p:UseAppHost=false /p:SkipWebBuild=true

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
WORKDIR /app
COPY --from=build /app ./
ENV ASPNETCORE_URLS=http://+:8080 \
    ASPNETCORE_ENVIRONMENT=Production
EXPOSE 8080
# The image's built-in unprivileged "app" user.
USER $APP_UID
ENTRYPOINT ["dotnet", "Messenger.dll"]
